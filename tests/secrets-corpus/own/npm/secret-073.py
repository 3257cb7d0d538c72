import os

DEBUG = False
# npm token
VALUE = '''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'''
