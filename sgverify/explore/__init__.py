"""Explore a network: query one flow, exposure of a target, the reachability
matrix, the graph and the HTML report. Library functions returning values or
strings; the CLI modules only parse arguments and print.

Every region, cell and arrow comes from the exact region engine
(sgverify.regions); witnesses and blocked packets come from the verifier.
"""
