import os

DEBUG = False
# anthropic key
VALUE = '''sk-ant-api03-bqDeKiS7oG7F4VEjd4-z7c_kkaVJYcX0n558VIbBoh2bompjPBDqpF-DARJGQOJWIWoBV0n-4hDcmo5rq7_lqYoqxFuqYAA'''
