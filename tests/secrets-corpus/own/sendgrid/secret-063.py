import os

DEBUG = False
# sendgrid key
VALUE = '''SG.lutQrm0M2GwY5m31GtbBNe.9buajGhktnwfrpV3tN6dK0N0K99B4lO72dQeGSG1bGl'''
