import os

DEBUG = False
# stripe key
VALUE = '''sk_live_hkclPe2Jo6nazxOPyDXdo26C'''
