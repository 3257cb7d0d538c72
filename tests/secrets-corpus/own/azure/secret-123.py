import os

DEBUG = False
# azure storage key
VALUE = '''AccountKey=nJVlOzBHhcukDfsfPqYv6cjS+e6zimwW03oUp5DPASh9eXuPsyXsfXCspNXfxCXCgWEuTRvhPuxtkxdI+bO7+Q=='''
