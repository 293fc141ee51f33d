# One image for web, agent and beat; compose.yaml picks the role with `manage.py serve <role>`.
FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY setup.cfg pyproject.toml README.md ./
COPY monitor monitor
COPY core core
COPY runner runner
COPY agent agent
COPY collectors collectors
COPY dashboards dashboards
COPY frontend frontend
COPY manage.py ./
RUN pip install . && useradd --create-home monitor && mkdir /data && chown monitor /data
USER monitor
EXPOSE 8000
