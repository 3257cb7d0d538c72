import os

DEBUG = False
# hugging face token
VALUE = '''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'''
