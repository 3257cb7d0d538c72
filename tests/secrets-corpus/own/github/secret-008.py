import os

DEBUG = False
# github token
VALUE = '''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'''
