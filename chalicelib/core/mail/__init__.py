"""Mail: MIME parsing and charsets, HTML to text, quotes and signatures, screening, language, outgoing mail."""
