import os

DEBUG = False
# telegram bot token
VALUE = '''4175635267:AAVRnQ5KeYX8wYv22QE9NFEdJkqmbd83AQ1'''
