import os

DEBUG = False
# stripe key
VALUE = '''sk_test_dQ1V9yj7iUOUh1NPDsJN84Fd'''
