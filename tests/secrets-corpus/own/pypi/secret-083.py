import os

DEBUG = False
# pypi token
VALUE = '''pypi-AgEIcHlwaS5vcmcCIElLWnZSYTJkRnFZc3hER3NBcFJGbFdSQXVmNmpMbEZIAAAGIGRaYzJQNht-ZqzmMLY9QMF7eRbaCeV4FKr3bg5W3fKi'''
