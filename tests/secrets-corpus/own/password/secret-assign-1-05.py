conn = connect(host='db', user='app', password='kibjL5DZPjN0MEQ7wj')
