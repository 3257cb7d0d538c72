import os

DEBUG = False
# secret
VALUE = '''client_secret: "F0w62AvHr6Gh594DfqJCJOYMH4t8A9VC"'''
