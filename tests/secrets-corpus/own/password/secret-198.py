import os

DEBUG = False
# password
VALUE = '''DB_PASSWORD="ImgOccLvtBnp"'''
