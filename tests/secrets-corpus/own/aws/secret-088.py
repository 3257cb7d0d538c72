import os

DEBUG = False
# aws access key id
VALUE = '''AKIAGHDUPJ7DXQSNL3WA'''
