import os

DEBUG = False
# databricks token
VALUE = '''dapid893b96cd9d0fd8d9ea04160c034ba8d'''
