export MYSQL_PWD='LZDe1f8rESQedU'
