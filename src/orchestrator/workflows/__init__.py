"""What a contact center does next with each category."""
