import os

DEBUG = False
# api key
VALUE = '''"apiKey": "89XCfwiN2aqanIzC18yZpsLpm787ZCYL"'''
