import os

DEBUG = False
# gcp oauth secret
VALUE = '''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'''
