"""Rendering: math as unicode/LaTeX/SVG and writers for PDF, HTML, TeX, terminal and Moodle XML."""
