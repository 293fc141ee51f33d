"""Running the product: `make run` (launcher.py: the embedded Redis, migrations, the admin account
and every process supervised), `manage.py serve <role>` and the command line of each process."""
