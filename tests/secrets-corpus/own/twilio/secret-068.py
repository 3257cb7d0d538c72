import os

DEBUG = False
# twilio key
VALUE = '''SK812b6721896921fc1b092d68a8b78e36'''
