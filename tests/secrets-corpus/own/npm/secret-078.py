import os

DEBUG = False
# npm auth token
VALUE = '''//registry.npmjs.org/:_authToken=85ca3b2e-7a52-00af-5e84-86b39e05216b'''
