"""Class mode (``tinynet-playground --class``): learners' sessions publish a summary to a class
store (store.py), the teacher's page reads the class from it and sends commands back
(teacher.py), and each learner's page follows them (learner.py)."""
