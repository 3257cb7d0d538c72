import os

DEBUG = False
# password
VALUE = '''password=NxUVHsqJBCLtHl'''
