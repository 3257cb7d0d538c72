import os

DEBUG = False
# gitlab token
VALUE = '''glpat-ZpoQzvfZi4BOClH53mAu'''
