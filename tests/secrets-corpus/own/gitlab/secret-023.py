import os

DEBUG = False
# gitlab token
VALUE = '''glcbt-1f_CkbgoEYuAlBrt5zG4naK'''
