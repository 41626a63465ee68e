"""Chatbot WhatsApp (lab copy): only what the lab's test suite and scanners look at."""
