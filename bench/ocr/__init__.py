"""`make bench-ocr`: a corpus of Italian receipts and invoices with their true values; the reading measured on it."""
