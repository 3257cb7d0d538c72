import os

DEBUG = False
# mailchimp key
VALUE = '''6ace0fba02a8f330230d646cf3739d53-us14'''
