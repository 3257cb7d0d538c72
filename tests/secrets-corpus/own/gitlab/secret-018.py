import os

DEBUG = False
# gitlab token
VALUE = '''glrt-eyN14AQzGehKs5qjnVeA'''
