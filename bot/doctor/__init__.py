"""``policybot doctor``: is this installation able to reach the people a report needs?"""
