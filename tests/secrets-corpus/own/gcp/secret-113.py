import os

DEBUG = False
# gcp api key
VALUE = '''AIzal7BlmVcMJTQHaVBSkuFJMci3L1kXSjtSmKq'''
