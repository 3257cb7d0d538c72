import os

DEBUG = False
# shopify token
VALUE = '''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'''
