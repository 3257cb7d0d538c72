import os

DEBUG = False
# stripe key
VALUE = '''rk_live_axBC1AXJpVLfMdQsXybI43Ip'''
