"""Labels and trainers that turn benchmark results or battles into saved router scorers."""
