"""Public channels of the assistant: website widget (socket.io), Telegram, WhatsApp.

Each connector is a small subclass of Rasa's own, referenced by module path in
the effective credentials file that ``bot.channels.credentials`` writes from
the environment at start-up.
"""
