// The dashboard editor (docs/dashboards.md, "Editing on the page"): an admin's Edit button turns
// the dashboard into boxes on its grid, one per panel, to add, change, move (drag, arrow keys),
// resize (corner handle, shift+arrows) and remove. The page imports this file only for admins;
// the editor lives in editor/:
//   editor.js           the editor: draft, toolbar, save, upload, download; startEditor()
//   panel-boxes.js      a panel's box, dragged, resized and moved by keys
//   panel-form.js       the form that adds a panel or changes one
//   option-controls.js  the form's field for each panel option, with its pickers
//   form-controls.js    the small form builders they share
//   grid-rules.js       the grid's rules: bounds, overlaps, the first free place, snapping

// Every module is named here, not only the two re-exported: the browser then fetches them side
// by side rather than one import level at a time, so the Edit button works as soon as it did
// when the editor was one file.
import "./editor/form-controls.js";
import "./editor/option-controls.js";
import "./editor/panel-boxes.js";
import "./editor/panel-form.js";

export { startEditor } from "./editor/editor.js";
export { collision, firstFreePlace, inBounds, layoutProblem, overlaps } from "./editor/grid-rules.js";
