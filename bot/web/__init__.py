"""Our own web app (aiohttp): the widget page and its static files.

The coach dashboard joins the same application later; keep it a plain
``aiohttp.web.Application`` built by ``bot.web.app.create_app()``.
"""
