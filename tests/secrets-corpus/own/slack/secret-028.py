import os

DEBUG = False
# slack token
VALUE = '''xoxb-495099404666-1655986370205-gmlN9AJ1bXgJHkC3zntqffNd'''
