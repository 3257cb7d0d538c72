import os

DEBUG = False
# openai key
VALUE = '''sk-proj-mVkqsVmH6RlzL6lvsE83T3BlbkFJ6dJCMDH4Z5vqbMIFrTLc'''
