"""Expression sets: one face in every emotion, for SillyTavern sprites and V3/RisuAI emotion assets.

Pure domain pieces so far (issue 16, step 1): the label presets and their rules, the expression
vocabulary, the prompt, and the set's stable seeds. No job, storage, API or UI yet.
"""
