# partnerbot's image: the Slack app (`serve`, the default), the schedule (`scheduler`) and the maintenance commands
# (`db upgrade`, `import`, `kpis`, ...), all through the `partnerbot` command. Secrets come from the environment
# only (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, DATABASE_URL): nothing secret is baked in. See README, "Deploying".
#
#   docker build -t partnerbot .
#   docker run --env-file .env -p 3000:3000 partnerbot              # serve
#   docker run --env-file .env partnerbot db upgrade                # any other command

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: install the package (not editable) and its dependencies into a virtualenv ---------------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/partnerbot
WORKDIR /src
# the dependencies change less often than the code: installed in their own layer, from pyproject.toml alone
COPY pyproject.toml README.md ./
RUN python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' \
        > requirements.txt \
    && /opt/partnerbot/bin/pip install --quiet --requirement requirements.txt
COPY bot ./bot
COPY commands ./commands
COPY reports ./reports
COPY storage ./storage
COPY demodata ./demodata
COPY benchmarks ./benchmarks
RUN /opt/partnerbot/bin/pip install --quiet --no-deps . \
    && /opt/partnerbot/bin/partnerbot --help > /dev/null

# --- run: the virtualenv on a clean base, as an unprivileged user -----------------------------------------------
FROM ${PYTHON_IMAGE}
ENV PATH=/opt/partnerbot/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MPLCONFIGDIR=/tmp/matplotlib \
    PORT=3000
RUN groupadd --system --gid 10001 partnerbot \
    && useradd --system --uid 10001 --gid partnerbot --home-dir /var/lib/partnerbot --create-home \
       --shell /usr/sbin/nologin partnerbot
COPY --from=build /opt/partnerbot /opt/partnerbot
USER 10001:10001
# the default store (DATABASE_URL unset) is sqlite:///partnerbot.db here: mount a volume on this folder to keep it
WORKDIR /var/lib/partnerbot
# matplotlib's font cache, built once here instead of on every start
RUN python -c "import matplotlib.font_manager"
EXPOSE 3000
# serve's /healthz answers 200 while the database answers (503 otherwise); urllib, so the image needs no curl
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"]
# SIGTERM (docker stop) drains acknowledged work for up to PARTNERBOT_DRAIN_SECONDS (25 s): docker stop -t 30
ENTRYPOINT ["partnerbot"]
CMD ["serve"]
