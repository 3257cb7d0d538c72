import os

DEBUG = False
# azure client secret
VALUE = '''Nch8Q~3urubJEyqmtVOR1i7fCaklkzMSQhlJU4Zs'''
