import os

DEBUG = False
# url password
VALUE = '''postgres://app:VgTcDgkw5j15K2cG@db.internal:5432/app'''
