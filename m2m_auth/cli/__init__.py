"""The nouns of ``manage.py m2m``, one module each, each with ``register(nouns)``.

A verb's handler takes the parsed options and the command's stdout, calls one
flow and prints. The flows validate and raise ``M2MAuthError``; the command
turns that into one line on stderr and exit status 1.
"""
