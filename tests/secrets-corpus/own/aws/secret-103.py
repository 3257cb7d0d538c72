import os

DEBUG = False
# aws secret key
VALUE = '''aws_secret_access_key = ca+JF+W3Ybbvq4rmBgMo5KR9CsyktxouxM6QVTVp'''
