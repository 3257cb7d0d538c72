import os

DEBUG = False
# aws access key id
VALUE = '''ABIAM5Z3TLJNS4KWPYOL'''
