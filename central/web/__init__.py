"""The board's web side: the Starlette app (JSON API, Server-Sent Events, static page) and the
uvicorn server that runs it in a thread."""
