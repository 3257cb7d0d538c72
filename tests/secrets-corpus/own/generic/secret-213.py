import os

DEBUG = False
# bearer token
VALUE = '''Authorization: Bearer 6XzuHw0wvnG8QT9mjnUhAWxcHux3RToJruxjlUxO'''
