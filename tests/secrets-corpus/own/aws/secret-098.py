import os

DEBUG = False
# aws access key id
VALUE = '''ACCAOFCCXZAWN2UPWNLF'''
