import os

DEBUG = False
# github token
VALUE = '''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'''
