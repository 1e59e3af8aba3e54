"""TIMIT: phone sets and targets, decoding and phone error rate (the corpus reader comes with issue 3)."""
