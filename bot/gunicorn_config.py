"""gunicorn hooks for the `web` process (Procfile: `gunicorn -c python:bot.gunicorn_config`).

Each worker loads the reply reader's tables before it takes its first
request, so the first customer text is read as fast as the thousandth.
"""


def post_worker_init(worker) -> None:
    from conversations import warm_up

    warm_up()
